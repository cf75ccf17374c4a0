// `npm run build` step: the lab's zones checked, parsed and signed once (valid for years) into
// dist/lab-snapshot.json, so that `--lab` does not sign on every run (src/lib/lab/snapshot.ts).
import {DEFAULT_WORLD} from '../dist/lib/lab/world.js'
import {SNAPSHOT_FILE, writeSnapshot} from '../dist/lib/lab/snapshot.js'

const t0 = performance.now()
const s = writeSnapshot(DEFAULT_WORLD)
const zones = s.dnssec.zones.length
console.log(`lab snapshot: ${SNAPSHOT_FILE}, ${zones} zones, signatures valid until ${new Date(s.expires * 1000).toISOString().slice(0, 10)} (${Math.round(performance.now() - t0)} ms)`)
