// Runs the page's search engine (static/search.js) in node against a built index.
// usage: node search_harness.js DATA_DIR < queries.jsonl > results.jsonl
// SEARCH_JS names another script with the same engine (the page's static/search.min.js).
// Each input line: {"q": "...", "options": {...}}; each output line: {total, docs, terms, message, bytes}.
// With "fragments": true on the input line, the fragments of the first page of hits are loaded too
// (as the page shows them) and their titles returned.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const engine = require(path.resolve(process.env.SEARCH_JS || path.join(__dirname, "..", "static", "search.js")));

const dir = process.argv[2];
function makeLoader(seen) {
  return function load(name) {
    const file = path.join(dir, name + ".js");
    return new Promise((resolve, reject) => {
      fs.readFile(file, "utf8", (error, source) => {
        if (error) return reject(error);
        seen[name] = Buffer.byteLength(source);
        let data;
        vm.runInNewContext(source, { __xinyuSearch: (_, d) => { data = d; } });
        resolve(data);
      });
    });
  };
}

async function main() {
  const lines = fs.readFileSync(0, "utf8").split("\n").filter(Boolean);
  for (const line of lines) {
    const { q, options, fragments } = JSON.parse(line);
    const seen = {};
    const load = makeLoader(seen);
    const result = await new engine.Engine(load).search(q, options || {});
    let titles = [];
    if (fragments) {
      const shown = result.hits.slice(0, engine.PER_PAGE);
      const loaded = await Promise.all(shown.map((h) => load(engine.fragmentName(h.doc, h.chunk, result.meta))));
      titles = loaded.map((f) => f.t);
    }
    const bytes = Object.values(seen).reduce((a, b) => a + b, 0);
    process.stdout.write(JSON.stringify({
      total: result.total, docs: result.hits.map((h) => h.doc), scores: result.hits.map((h) => h.score),
      chunks: result.hits.map((h) => h.chunk), terms: result.terms, message: result.message, bytes,
      files: Object.keys(seen).sort(), computeMs: result.computeMs, titles,
    }) + "\n");
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
