// The conformance suite against the embedded default backend. MemoryCache
// implements every resource and every index, reopens with its data, reports
// old values from apply, and has no store to corrupt or lose (so no
// `corrupt` / `unreachable` hooks).
import { runConformance } from '@sake/conformance';
import { MemoryCache } from '@sake/memory';

runConformance('MemoryCache', () => new MemoryCache(), { reportsOld: true, honoursAfter: true });
