#include "io/safetensors_writer.h"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

namespace sinkscope {

Status writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                        const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    std::vector<std::uint64_t> sizes;
    for (const auto& t : tensors) {
        std::uint64_t n = dtypeSize(t.dtype);
        for (auto d : t.shape)
            n *= static_cast<std::uint64_t>(d);
        sizes.push_back(n);
        header[t.name] = {{"dtype", std::string(dtypeName(t.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + n}}};
        offset += n;
    }
    std::string text = header.dump();
    while ((8 + text.size()) % 8 != 0)
        text += ' ';

    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return Error{fmt::format("{}: cannot write", tmp)};
        const std::uint64_t len = text.size();
        unsigned char lenBytes[8];
        for (int i = 0; i < 8; ++i)
            lenBytes[i] = static_cast<unsigned char>(len >> (8 * i));
        out.write(reinterpret_cast<const char*>(lenBytes), 8);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (std::size_t i = 0; i < tensors.size(); ++i)
            out.write(static_cast<const char*>(tensors[i].data), static_cast<std::streamsize>(sizes[i]));
        out.flush();
        if (!out) return Error{fmt::format("{}: write failed (disk full?)", tmp)};
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) return Error{fmt::format("{}: cannot rename into place: {}", path, ec.message())};
    return okStatus();
}

} // namespace sinkscope
