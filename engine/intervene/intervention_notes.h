#pragma once
// Lines that explain a result that could look surprising, from the interventions and the run's
// size alone: a StreamingLLM cache that never filled (so nothing changed), ACT keeping the first
// sink, a one-token prompt where every head is a "sink". `compare` prints them and the desktop
// app shows them under the output, so both front-ends say the same thing. Torch-free.
#include "intervene/intervention.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinkscope {

std::vector<std::string> interventionNotes(const std::vector<Intervention>& interventions,
                                           std::int64_t promptTokens, std::int64_t newTokens);

} // namespace sinkscope
