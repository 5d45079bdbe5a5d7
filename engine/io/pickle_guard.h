#pragma once
// Recognises PyTorch pickle checkpoints (.bin/.pt/.pth) so they are refused with an explanation:
// unpickling can execute arbitrary code, so SinkScope never does it.
#include "core/result.h"

#include <string>

namespace sinkscope {

// True when the file starts like a pickle stream or a torch.save zip archive.
bool looksLikePickle(const std::string& path);
// The refusal message for such a file.
Error pickleRefusal(const std::string& path);

} // namespace sinkscope
