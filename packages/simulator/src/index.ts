/**
 * `@sake/simulator`: a seeded simulated Discord (world + scripted event
 * stream) and a local fake gateway a real `@discordjs/ws` client connects to.
 * Used by the tests, `sake demo` and the benchmark.
 *
 * @packageDocumentation
 */
export * from './random.js';
export * from './generate/builders.js';
export * from './generate/world.js';
export * from './generate/event-kinds.js';
export * from './generate/stream.js';
export * from './gateway/fake-gateway.js';
export * from './gateway/manager.js';
