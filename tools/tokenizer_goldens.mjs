// Writes tests/data/tokenizers/real_goldens.json: the token ids that five real tokenizers give for
// every text of tests/data/tokenizers/multilingual.json, computed by @lenml/tokenizers (a port of
// Hugging Face tokenizers to JavaScript, independent of the engine's C++). The engine's tests
// (tests/engine/test_tokenizer_real.cpp) must reproduce these ids exactly.
//
//   bash scripts/fetch_tokenizers.sh                  # the tokenizers and the library, once
//   node tools/tokenizer_goldens.mjs [CACHE_DIR]      # default as fetch_tokenizers.sh
//
// For each text it records the ids without special tokens, the ids with them (what the
// tokenizer's post-processor adds, e.g. Llama's BOS) and Hugging Face's decoding of both (special
// tokens kept, no clean-up of spaces: the behaviour of tokenizers' own decode). Rerunning gives a
// byte-identical file.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache =
  process.argv[2] ??
  process.env.SINKSCOPE_TOKENIZER_CACHE ??
  join(process.env.HOME, ".cache/sinkscope/tokenizers");
const VERSION = "3.7.2";
const NAMES = ["llama3_1", "qwen3", "gptoss", "gemma3", "llama2"];

const library = join(cache, "tokenizers/dist/main.mjs");
let TokenizerLoader;
try {
  ({ TokenizerLoader } = await import(pathToFileURL(library).href));
} catch (e) {
  console.error(`tokenizer_goldens: cannot load ${library} (run bash scripts/fetch_tokenizers.sh): ${e.message}`);
  process.exit(1);
}

const textsPath = "tests/data/tokenizers/multilingual.json";
const texts = JSON.parse(readFileSync(join(root, textsPath), "utf8")).texts;
const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

function goldensFor(name) {
  const dir = join(cache, name);
  const config = readJson(join(dir, "tokenizer_config.json"));
  const tok = TokenizerLoader.fromPreTrained({
    tokenizerJSON: readJson(join(dir, "tokenizer.json")),
    tokenizerConfig: config,
  });
  const decode = (ids) =>
    ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  const entry = {
    package: `@lenml/tokenizer-${name}@${VERSION}`,
    tokenizer_json_bytes: statSync(join(dir, "tokenizer.json")).size,
    add_bos_token: config.add_bos_token ?? null,
    add_eos_token: config.add_eos_token ?? null,
    ids: [],
    ids_special: [],
    decoded: [],
    decoded_special: [],
  };
  for (const text of texts) {
    const ids = tok.encode(text, { add_special_tokens: false });
    const withSpecial = tok.encode(text, { add_special_tokens: true });
    // The tokenizer_config flags and the post-processor must agree; the goldens follow the latter.
    const bos = config.add_bos_token ? tok.bos_token_id : undefined;
    if (bos !== undefined && withSpecial[0] !== bos) throw new Error(`${name}: add_bos_token but no BOS`);
    entry.ids.push(ids);
    entry.ids_special.push(withSpecial);
    entry.decoded.push(decode(ids));
    entry.decoded_special.push(decode(withSpecial));
  }
  return entry;
}

// One text per line keeps diffs of regenerated goldens readable.
function render(doc) {
  const lines = ["{"];
  lines.push(`"generator": ${JSON.stringify(doc.generator)},`);
  lines.push(`"texts": ${JSON.stringify(doc.texts)},`);
  lines.push(`"text_count": ${doc.text_count},`);
  lines.push(`"tokenizers": {`);
  const names = Object.keys(doc.tokenizers);
  names.forEach((name, n) => {
    const t = doc.tokenizers[name];
    lines.push(` ${JSON.stringify(name)}: {`);
    for (const key of ["package", "tokenizer_json_bytes", "add_bos_token", "add_eos_token"]) {
      lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(t[key])},`);
    }
    const lists = ["ids", "ids_special", "decoded", "decoded_special"];
    lists.forEach((key, k) => {
      lines.push(`  ${JSON.stringify(key)}: [`);
      t[key].forEach((v, i) => lines.push(`   ${JSON.stringify(v)}${i + 1 < t[key].length ? "," : ""}`));
      lines.push(`  ]${k + 1 < lists.length ? "," : ""}`);
    });
    lines.push(` }${n + 1 < names.length ? "," : ""}`);
  });
  lines.push("}", "}");
  return lines.join("\n") + "\n";
}

const doc = {
  generator: `tools/tokenizer_goldens.mjs with @lenml/tokenizers ${VERSION}`,
  texts: textsPath,
  text_count: texts.length,
  tokenizers: Object.fromEntries(NAMES.map((name) => [name, goldensFor(name)])),
};
const out = join(root, "tests/data/tokenizers/real_goldens.json");
writeFileSync(out, render(doc));
let roundTrips = 0;
for (const name of NAMES) roundTrips += doc.tokenizers[name].decoded.filter((d, i) => d === texts[i]).length;
console.log(
  `tokenizer_goldens: wrote ${out}: ${texts.length} texts x ${NAMES.length} tokenizers ` +
    `(${roundTrips} decodings give the text back)`
);
