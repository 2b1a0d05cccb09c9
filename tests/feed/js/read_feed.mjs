// Read a podcast feed (a file path argument, or stdin) with two independent JavaScript
// parsers and print what each read back, as JSON: {"partytime": ..., "podparse": ...}.
// Used by tests/feed/test_js_parsers.py; install with `npm ci --prefix tests/feed/js`.
import { readFileSync } from "node:fs";

// partytime reads its log level when it loads and logs warnings on stdout, where the JSON
// goes: silence it first (hence the dynamic imports; static ones would load before this line).
process.env.PARTYTIME_LOG ??= "silent";
const { parseFeed } = await import("podcast-partytime");
const { default: getPodcastFromFeed } = await import("podparse");

const xml = readFileSync(process.argv[2] ?? 0, "utf8");

// Sets and Maps (partytime keeps a few) become lists and objects so JSON can carry them.
const replacer = (_key, value) => {
  if (value instanceof Set) return [...value];
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
};

process.stdout.write(
  JSON.stringify({ partytime: parseFeed(xml), podparse: getPodcastFromFeed(xml) }, replacer),
);
