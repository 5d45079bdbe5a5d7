#include "io/gguf_file_type.h"

#include <algorithm>
#include <array>
#include <map>

namespace sinkscope {

std::string ggufFileTypeName(std::int64_t fileType) {
    // llama.h's enum llama_ftype, indexed by value; null: never assigned (5, 6: Q4_2/Q4_3) or removed
    // from GGUF files (4: Q4_1_SOME_F16; 33-35: the Q4_0 repacks, now done at load time).
    static constexpr std::array<const char*, 39> kNames = {
        "F32",    "F16",    "Q4_0",  "Q4_1",    nullptr,  nullptr,  nullptr,    "Q8_0",
        "Q5_0",   "Q5_1",   "Q2_K",  "Q3_K_S",  "Q3_K_M", "Q3_K_L", "Q4_K_S",   "Q4_K_M",
        "Q5_K_S", "Q5_K_M", "Q6_K",  "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS",   "IQ3_XXS",
        "IQ1_S",  "IQ4_NL", "IQ3_S", "IQ3_M",   "IQ2_S",  "IQ2_M",  "IQ4_XS",   "IQ1_M",
        "BF16",   nullptr,  nullptr, nullptr,   "TQ1_0",  "TQ2_0",  "MXFP4_MOE"};
    if (fileType < 0 || fileType >= static_cast<std::int64_t>(kNames.size())) return {};
    const char* name = kNames[static_cast<std::size_t>(fileType)];
    return name ? name : "";
}

std::string ggufQuantization(const GgufFile& file) {
    if (const GgufValue* v = file.find("general.file_type"))
        if (const auto id = v->asInt())
            if (std::string name = ggufFileTypeName(*id); !name.empty()) return name;
    // Elements per type; a file of only vectors (no matrix) counts those.
    std::map<std::uint32_t, std::uint64_t> matrices, vectors;
    for (const GgufTensorInfo& t : file.tensors())
        (t.dims.size() >= 2 ? matrices : vectors)[t.type] += t.elements;
    const auto& counted = matrices.empty() ? vectors : matrices;
    const auto top = std::max_element(counted.begin(), counted.end(),
                                      [](const auto& a, const auto& b) { return a.second < b.second; });
    return top == counted.end() ? std::string() : ggmlTypeName(top->first);
}

} // namespace sinkscope
