// Prints the size of the site's wasm, JS and CSS: raw, gzip -9 and brotli -q 11, per file and
// per kind of page, against the budgets below.
//   node scripts/size-report.mjs [pkg-dir]          (default target/site/pkg)
//   node scripts/size-report.mjs [pkg-dir] --json   (one JSON object, for benchmarks)
//   node scripts/size-report.mjs [pkg-dir] --check  (exit 1 when a kind of page is over budget)
//
// What each kind of page loads: guest pages (a public list, a reservation) are plain HTML with
// the stylesheet and the page script inline (app/src/js/page.js) and no WebAssembly
// (app::routes::has_islands; a Playwright test checks nothing else is loaded). Pages with
// islands (the home page, the owner's pages) load the JS loader and the wasm as well.
import { readdirSync, readFileSync } from "node:fs";
import { join, extname } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const args = process.argv.slice(2);
const json = args.includes("--json");
const check = args.includes("--check");
// Brotli bytes of wasm + JS + CSS (inline or not) that a first visit downloads.
const BUDGETS = { guest: 60 * 1024, islands: 150 * 1024 };
const dir = args.find((a) => !a.startsWith("--")) ?? "target/site/pkg";
const kinds = new Set([".wasm", ".js", ".css"]);

const measure = (file, bytes) => ({
  file,
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length,
});
const rows = readdirSync(dir)
  .filter((f) => kinds.has(extname(f)))
  .sort()
  .map((file) => measure(file, readFileSync(join(dir, file))));
const pageScript = measure("page script", readFileSync(new URL("../app/src/js/page.js", import.meta.url)));
if (rows.length === 0) {
  console.error(`no .wasm, .js or .css files in ${dir}: build the release first`);
  process.exit(1);
}
const sum = (file, parts) =>
  parts.reduce((t, r) => ({ file, raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), {
    file,
    raw: 0,
    gzip: 0,
    brotli: 0,
  });
const total = sum("total", rows);
const css = rows.filter((r) => r.file.endsWith(".css"));
const pages = {
  guest: sum("guest pages", [...css, pageScript]),
  islands: sum("island pages", [...rows, pageScript]),
};
const over = Object.entries(pages).filter(([kind, r]) => r.brotli > BUDGETS[kind]);

if (json) {
  console.log(JSON.stringify({ files: rows, total, pageScript, pages, budgets: BUDGETS }));
} else {
  const fmt = (n) => n.toLocaleString("en-GB").padStart(11);
  const line = (r, extra = "") => console.log(`${r.file.padEnd(34)}${fmt(r.raw)}${fmt(r.gzip)}${fmt(r.brotli)}${extra}`);
  console.log(`${"file".padEnd(34)}${"raw".padStart(11)}${"gzip -9".padStart(11)}${"brotli".padStart(11)}  (bytes)`);
  for (const r of [...rows, pageScript, total]) line(r);
  console.log("");
  console.log("per kind of page (wasm + JS + CSS a first visit downloads):");
  for (const [kind, r] of Object.entries(pages)) line(r, `  budget ${fmt(BUDGETS[kind]).trim()} brotli`);
}
if (check && over.length > 0) {
  for (const [kind, r] of over) console.error(`over budget: ${kind} pages take ${r.brotli} bytes brotli, the budget is ${BUDGETS[kind]}`);
  process.exit(1);
}
