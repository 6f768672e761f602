// Prints the size of the site's wasm, JS and CSS: raw, gzip -9 and brotli -q 11.
//   node scripts/size-report.mjs [pkg-dir]        (default target/site/pkg)
//   node scripts/size-report.mjs [pkg-dir] --json (one JSON object, for benchmarks)
import { readdirSync, readFileSync } from "node:fs";
import { join, extname } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const args = process.argv.slice(2);
const json = args.includes("--json");
const dir = args.find((a) => !a.startsWith("--")) ?? "target/site/pkg";
const kinds = new Set([".wasm", ".js", ".css"]);

const rows = readdirSync(dir)
  .filter((f) => kinds.has(extname(f)))
  .sort()
  .map((file) => {
    const bytes = readFileSync(join(dir, file));
    return {
      file,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      }).length,
    };
  });
if (rows.length === 0) {
  console.error(`no .wasm, .js or .css files in ${dir}: build the release first`);
  process.exit(1);
}
const total = rows.reduce(
  (t, r) => ({ file: "total", raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }),
  { raw: 0, gzip: 0, brotli: 0 },
);

if (json) {
  console.log(JSON.stringify({ files: rows, total }));
} else {
  const fmt = (n) => n.toLocaleString("en-GB").padStart(11);
  console.log(`${"file".padEnd(18)}${"raw".padStart(11)}${"gzip -9".padStart(11)}${"brotli".padStart(11)}  (bytes)`);
  for (const r of [...rows, total]) console.log(`${r.file.padEnd(18)}${fmt(r.raw)}${fmt(r.gzip)}${fmt(r.brotli)}`);
}
