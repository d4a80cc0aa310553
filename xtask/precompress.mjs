// Writes a .gz (zlib level 9) and a .br (brotli quality 11) copy beside
// every file under DIR whose extension is one of EXT…, for servers that
// send pre-compressed files. Used by `cargo xtask dist`.
//
//   node xtask/precompress.mjs DIR EXT...
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const [dir, ...exts] = process.argv.slice(2);
if (!dir || exts.length === 0) {
  console.error('usage: node xtask/precompress.mjs DIR EXT...');
  process.exit(2);
}
const walk = (d) =>
  readdirSync(d).flatMap((name) => {
    const p = path.join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
let count = 0;
for (const file of walk(dir).sort()) {
  if (!exts.includes(path.extname(file).slice(1))) continue;
  const body = readFileSync(file);
  writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  );
  count += 1;
}
console.log(`precompress: ${count} files, .gz and .br each`);
