// Copies the pinned MapLibre GL JS build from node_modules into web/ui/vendor. vendor/ and src/
// are committed and embedded into the Go binary (web/handle_ui.go), so serving needs no Node,
// no CDN and no internet access. Run: npm ci && npm run build (in web/ui).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const vendor = join(here, 'vendor');
const ml = join(here, 'node_modules', 'maplibre-gl');
const mlVersion = JSON.parse(readFileSync(join(ml, 'package.json'), 'utf8')).version;

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });
// The UMD build carries its worker inline: one file, no blob fetches from elsewhere.
for (const f of ['maplibre-gl.js', 'maplibre-gl.css', 'LICENSE.txt']) {
  cpSync(join(ml, 'dist', f), join(vendor, f === 'LICENSE.txt' ? 'maplibre-gl.LICENSE.txt' : f));
}
writeFileSync(join(vendor, 'VERSIONS.txt'), `maplibre-gl ${mlVersion} (BSD-3-Clause, see maplibre-gl.LICENSE.txt)\n`);
console.log(`vendored maplibre-gl ${mlVersion} into ${vendor}`);
