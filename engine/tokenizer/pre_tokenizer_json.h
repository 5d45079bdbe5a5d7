#pragma once
// Builds a PreTokenizer from tokenizer.json's "pre_tokenizer" object. Supported types: ByteLevel,
// Split, Digits and Sequence of those for byte-level BPE; Metaspace, Split, Digits and Sequence for
// SentencePiece-style BPE. Anything else is refused by name, since silently skipping a step would
// produce ids the model never saw.
#include "tokenizer/json_cursor.h"
#include "tokenizer/pre_tokenizer.h"

namespace sinkscope {

// node is the pre_tokenizer value (an object). Throws LoadError naming the field on any problem.
PreTokenizer parsePreTokenizer(const JsonCursor& node);

// The same for SentencePiece-style files; node may be absent (no pre-tokenization).
PreTokenizer parseSpmStylePreTokenizer(const std::optional<JsonCursor>& node);

// A Metaspace step's prepend scheme (pre-tokenizer or decoder), read as tokenizers' deserializer
// does: prepend_scheme defaults to "always"; the older add_prefix_space false means "never" and
// must not contradict it.
MetaspaceStep::Prepend parseMetaspacePrepend(const JsonCursor& node);

// The plain GPT-2 ByteLevel pre-tokenizer (vocab.json + merges.txt models).
PreTokenizer gpt2PreTokenizer();

} // namespace sinkscope
