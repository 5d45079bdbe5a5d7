#pragma once
// A checkpoint tensor as float32, with its values checked on the way: a NaN or an infinity in the
// weights makes every probability NaN, so it is refused at load, naming the tensor and the first
// such element, instead of surfacing as "nan" in every result.
#include "core/result.h"
#include "io/safetensors.h"

namespace sinkscope {

// Converts ref (F32, F16 or BF16; validated by the caller) into dst, which holds ref.numel()
// floats. Error: "FILE: tensor 'NAME' holds NaN at element 1234" (or Inf, -Inf). The check runs on
// each block while it is still in cache, so it adds no second pass over memory.
Status toFloat32Checked(const TensorRef& ref, float* dst);

// The same check without keeping the conversion (a block at a time through a small buffer), for
// weights used in the dtype they are stored in.
Status checkFinite(const TensorRef& ref);

} // namespace sinkscope
