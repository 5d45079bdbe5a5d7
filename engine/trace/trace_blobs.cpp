#include "trace/trace_blobs.h"

#include <bit>

namespace sinkscope::trace {

namespace {

class Packer {
public:
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            m_out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void bytes(const std::string& s) {
        u32(static_cast<std::uint32_t>(s.size()));
        m_out.insert(m_out.end(), s.begin(), s.end());
    }
    std::vector<std::uint8_t> take() { return std::move(m_out); }

private:
    std::vector<std::uint8_t> m_out;
};

class Unpacker {
public:
    explicit Unpacker(Bytes in) : m_in(in) {}
    std::size_t left() const { return m_in.size() - m_pos; }
    bool u32(std::uint32_t& v) {
        if (left() < 4) return false;
        v = 0;
        for (int i = 0; i < 4; ++i)
            v |= static_cast<std::uint32_t>(m_in[m_pos++]) << (8 * i);
        return true;
    }
    bool u64(std::uint64_t& v) {
        if (left() < 8) return false;
        v = 0;
        for (int i = 0; i < 8; ++i)
            v |= static_cast<std::uint64_t>(m_in[m_pos++]) << (8 * i);
        return true;
    }
    bool bytes(std::string& s) {
        std::uint32_t n = 0;
        if (!u32(n) || left() < n) return false;
        s.assign(reinterpret_cast<const char*>(m_in.data() + m_pos), n);
        m_pos += n;
        return true;
    }

private:
    Bytes m_in;
    std::size_t m_pos = 0;
};

} // namespace

std::vector<std::uint8_t> packIds(const std::vector<std::int32_t>& ids) {
    Packer p;
    for (auto id : ids)
        p.u32(static_cast<std::uint32_t>(id));
    return p.take();
}

bool unpackIds(Bytes in, std::vector<std::int32_t>& out) {
    if (in.size() % 4) return false;
    Unpacker u(in);
    out.resize(in.size() / 4);
    for (auto& id : out) {
        std::uint32_t v = 0;
        u.u32(v);
        id = static_cast<std::int32_t>(v);
    }
    return true;
}

std::vector<std::uint8_t> packStrings(const std::vector<std::string>& strings) {
    Packer p;
    for (const auto& s : strings)
        p.bytes(s);
    return p.take();
}

bool unpackStrings(Bytes in, std::vector<std::string>& out) {
    Unpacker u(in);
    out.clear();
    while (u.left()) {
        if (!u.bytes(out.emplace_back())) return false;
    }
    return true;
}

std::vector<std::uint8_t> packTopK(const std::vector<std::vector<RankedEntry>>& topK) {
    Packer p;
    p.u32(static_cast<std::uint32_t>(topK.size()));
    for (const auto& step : topK) {
        p.u32(static_cast<std::uint32_t>(step.size()));
        for (const auto& e : step) {
            p.u32(static_cast<std::uint32_t>(e.id));
            p.u64(std::bit_cast<std::uint64_t>(e.prob));
            p.bytes(e.text);
        }
    }
    return p.take();
}

bool unpackTopK(Bytes in, std::vector<std::vector<RankedEntry>>& out) {
    out.clear();
    if (in.empty()) return true; // no generation recorded
    Unpacker u(in);
    std::uint32_t steps = 0;
    // Counts are checked against the bytes left (4 per step, 16 per entry at least) before any
    // allocation, so a damaged count cannot ask for gigabytes.
    if (!u.u32(steps) || steps > u.left() / 4) return false;
    out.resize(steps);
    for (auto& step : out) {
        std::uint32_t n = 0;
        if (!u.u32(n) || n > u.left() / 16) return false;
        step.resize(n);
        for (auto& e : step) {
            std::uint32_t id = 0;
            std::uint64_t prob = 0;
            if (!u.u32(id) || !u.u64(prob) || !u.bytes(e.text)) return false;
            e.id = static_cast<std::int32_t>(id);
            e.prob = std::bit_cast<double>(prob);
        }
    }
    return u.left() == 0;
}

std::vector<std::uint8_t> packFloats(const std::vector<float>& values) {
    Packer p;
    for (float v : values)
        p.u32(std::bit_cast<std::uint32_t>(v));
    return p.take();
}

bool unpackFloats(Bytes in, std::vector<float>& out) {
    if (in.size() % 4) return false;
    Unpacker u(in);
    out.resize(in.size() / 4);
    for (auto& v : out) {
        std::uint32_t bits = 0;
        u.u32(bits);
        v = std::bit_cast<float>(bits);
    }
    return true;
}

std::vector<std::uint8_t> packDoubles(const std::vector<double>& values) {
    Packer p;
    for (double v : values)
        p.u64(std::bit_cast<std::uint64_t>(v));
    return p.take();
}

bool unpackDoubles(Bytes in, std::vector<double>& out) {
    if (in.size() % 8) return false;
    Unpacker u(in);
    out.resize(in.size() / 8);
    for (auto& v : out) {
        std::uint64_t bits = 0;
        u.u64(bits);
        v = std::bit_cast<double>(bits);
    }
    return true;
}

} // namespace sinkscope::trace
