#pragma once
// Little-endian packing of a run's small arrays into BLOB columns. Token strings and top-k texts
// may hold any bytes (partial UTF-8 sequences, NUL), so they are length-prefixed bytes, not
// TEXT. Formats (all integers little-endian):
//   ids      i32 per id
//   strings  per string: u32 byte length, bytes
//   top-k    u32 steps; per step: u32 entries; per entry: i32 id, f64 prob (IEEE bits), u32 length, bytes
//   floats   f32 (IEEE bits) per value
//   doubles  f64 (IEEE bits) per value
// Unpacking checks every length against the bytes present and returns false on a mismatch.
#include "trace/trace_types.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sinkscope::trace {

using Bytes = std::span<const std::uint8_t>;

std::vector<std::uint8_t> packIds(const std::vector<std::int32_t>& ids);
bool unpackIds(Bytes in, std::vector<std::int32_t>& out);

std::vector<std::uint8_t> packStrings(const std::vector<std::string>& strings);
bool unpackStrings(Bytes in, std::vector<std::string>& out);

std::vector<std::uint8_t> packTopK(const std::vector<std::vector<RankedEntry>>& topK);
bool unpackTopK(Bytes in, std::vector<std::vector<RankedEntry>>& out);

std::vector<std::uint8_t> packFloats(const std::vector<float>& values);
bool unpackFloats(Bytes in, std::vector<float>& out);

std::vector<std::uint8_t> packDoubles(const std::vector<double>& values);
bool unpackDoubles(Bytes in, std::vector<double>& out);

} // namespace sinkscope::trace
