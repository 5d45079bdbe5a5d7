#include "tokenizer/spm_model_file.h"

#include "core/mapped_file.h"
#include "tokenizer/load_error.h"
#include "tokenizer/protobuf_wire.h"

#include <fmt/format.h>

namespace sinkscope {

namespace {

using Field = ProtobufWire::Field;

void expectWireType(const ProtobufWire& wire, const Field& f, std::uint32_t type, const char* name) {
    if (f.wireType != type) {
        throwLoadError(fmt::format("{}: field {} ({}) has wire type {}, expected {}", wire.what(), f.number,
                                   name, f.wireType, type));
    }
}

SpmPiece readPiece(std::string_view bytes, const std::string& what) {
    SpmPiece piece;
    ProtobufWire wire(bytes, what);
    Field f;
    while (wire.next(f)) {
        if (f.number == 1) {
            expectWireType(wire, f, 2, "piece");
            piece.text = std::string(f.bytes);
        } else if (f.number == 2) {
            expectWireType(wire, f, 5, "score");
            piece.score = ProtobufWire::asFloat(f);
        } else if (f.number == 3) {
            expectWireType(wire, f, 0, "type");
            if (f.varint < 1 || f.varint > 6)
                throwLoadError(fmt::format("{}: unknown piece type {}", what, f.varint));
            piece.type = static_cast<SpmPieceType>(f.varint);
        }
    }
    if (piece.text.empty()) throwLoadError(what + ": empty piece");
    return piece;
}

void readTrainerSpec(std::string_view bytes, const std::string& what, SpmModelSpec& spec) {
    ProtobufWire wire(bytes, what);
    Field f;
    while (wire.next(f)) {
        switch (f.number) {
        case 3:
            expectWireType(wire, f, 0, "model_type");
            if (f.varint < 1 || f.varint > 4)
                throwLoadError(fmt::format("{}: unknown model_type {}", what, f.varint));
            spec.modelType = static_cast<SpmModelType>(f.varint);
            break;
        case 24:
            expectWireType(wire, f, 0, "treat_whitespace_as_suffix");
            spec.treatWhitespaceAsSuffix = f.varint != 0;
            break;
        case 35:
            expectWireType(wire, f, 0, "byte_fallback");
            spec.byteFallback = f.varint != 0;
            break;
        case 44:
            expectWireType(wire, f, 2, "unk_surface");
            spec.unkSurface = std::string(f.bytes);
            break;
        case 46:
            expectWireType(wire, f, 2, "bos_piece");
            spec.bosPiece = std::string(f.bytes);
            break;
        case 47:
            expectWireType(wire, f, 2, "eos_piece");
            spec.eosPiece = std::string(f.bytes);
            break;
        default: // training-only settings
            break;
        }
    }
}

void readNormalizerSpec(std::string_view bytes, const std::string& what, SpmNormalizerSpec& spec) {
    ProtobufWire wire(bytes, what);
    Field f;
    while (wire.next(f)) {
        switch (f.number) {
        case 1:
            expectWireType(wire, f, 2, "name");
            spec.name = std::string(f.bytes);
            break;
        case 2:
            expectWireType(wire, f, 2, "precompiled_charsmap");
            spec.charsmap = std::string(f.bytes);
            break;
        case 3:
        case 4:
        case 5: {
            expectWireType(wire, f, 0, "flag");
            const bool on = f.varint != 0;
            (f.number == 3   ? spec.addDummyPrefix
             : f.number == 4 ? spec.removeExtraWhitespaces
                             : spec.escapeWhitespaces) = on;
            break;
        }
        default:
            break;
        }
    }
}

} // namespace

SpmModelSpec readSpmModel(const std::string& path) {
    auto file = MappedFile::open(path, kTokenizerFile);
    if (!file) throwLoadError(file.error().message);
    return parseSpmModel(std::string_view(reinterpret_cast<const char*>(file->data()), file->size()), path);
}

SpmModelSpec parseSpmModel(std::string_view bytes, const std::string& path) {
    SpmModelSpec spec;
    ProtobufWire wire(bytes, path);
    Field f;
    while (wire.next(f)) {
        if (f.number == 1) {
            expectWireType(wire, f, 2, "pieces");
            spec.pieces.push_back(
                readPiece(f.bytes, fmt::format("{}: pieces[{}]", path, spec.pieces.size())));
        } else if (f.number == 2) {
            expectWireType(wire, f, 2, "trainer_spec");
            readTrainerSpec(f.bytes, path + ": trainer_spec", spec);
        } else if (f.number == 3) {
            expectWireType(wire, f, 2, "normalizer_spec");
            readNormalizerSpec(f.bytes, path + ": normalizer_spec", spec.normalizer);
        }
        // denormalizer_spec (5) only rewrites decoded text in a few translation models; it is not applied.
    }
    if (spec.pieces.empty()) throwLoadError(path + ": not a SentencePiece model (no pieces)");
    return spec;
}

} // namespace sinkscope
