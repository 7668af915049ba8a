/**
 * `node bench/dist/listener-only.js [events]`: the mixed stream through the
 * listener into MemoryCache only — the listener's own cost, for profiling
 * (`node --cpu-prof`) without Redis in the picture.
 */
import { MemoryCache } from '@sake/memory';
import { EventScript } from '@sake/simulator';
import { buildIngestDataset } from './dataset.js';
import { handleAll, ingestThroughListener, listenerFor } from './sake.js';
import { now } from './stats.js';

const total = Number(process.argv[2] ?? 30_000);
const dataset = buildIngestDataset({ seed: 777, guildSizes: [1000, 1000, 1000, 1000, 1000] });
const memory = new MemoryCache();
await memory.open();
await ingestThroughListener(listenerFor(memory), dataset.guilds);
const script = new EventScript(dataset.world);
const events = [...script.take(total)].map((e) => e.payload);
const listener = listenerFor(memory);
const t0 = now();
await handleAll(listener, events);
const ms = now() - t0;
console.log(`${events.length} events in ${ms.toFixed(0)} ms: ${((events.length / ms) * 1000).toFixed(0)} events/s`, listener.stats());
await memory.close();
