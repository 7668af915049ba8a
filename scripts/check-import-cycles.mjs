#!/usr/bin/env node
// Lint: no import circle between the modules of packages/*/src, bench/src,
// examples/*/src and the tests (packages/*/test, test/).
// Every relative import counts: static, `import type` and dynamic `import()`,
// since each is a dependency a reader has to hold in mind, even when the
// compiler erases it. Fails (exit 1) listing each circle as a → b → … → a.
//
// Cross-package circles need no check here: `tsc -b` refuses circular
// project references.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;

/** Every .ts source (not .d.ts) under `dir`. */
function sources(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...sources(path));
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** The modules of `files` that `file` imports (NodeNext specifiers: `./x.js` is `./x.ts`). */
function importsOf(file, known) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const targets = [];
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const target = resolve(dirname(file), fileName).replace(/\.js$/, '.ts');
    if (known.has(target)) targets.push(target);
  }
  return targets;
}

/** `dir`'s sources, if it is a directory. */
function sourcesIn(dir) {
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? sources(dir) : [];
}

const files = [...sourcesIn(join(root, 'bench', 'src')), ...sourcesIn(join(root, 'test'))];
for (const pkg of readdirSync(join(root, 'packages'))) {
  files.push(...sourcesIn(join(root, 'packages', pkg, 'src')), ...sourcesIn(join(root, 'packages', pkg, 'test')));
}
for (const example of readdirSync(join(root, 'examples'))) files.push(...sourcesIn(join(root, 'examples', example, 'src')));
const known = new Set(files);
const graph = new Map(files.map((file) => [file, importsOf(file, known)]));

// Tarjan's strongly connected components: any component of more than one
// module (or a module importing itself) is a circle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const circles = [];
function visit(node) {
  index.set(node, counter);
  low.set(node, counter++);
  stack.push(node);
  onStack.add(node);
  for (const next of graph.get(node)) {
    if (!index.has(next)) {
      visit(next);
      low.set(node, Math.min(low.get(node), low.get(next)));
    } else if (onStack.has(next)) {
      low.set(node, Math.min(low.get(node), index.get(next)));
    }
  }
  if (low.get(node) !== index.get(node)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== node);
  if (component.length > 1 || graph.get(node).includes(node)) circles.push(pathThrough(new Set(component), node));
}
for (const file of files) if (!index.has(file)) visit(file);

/** One circle through `start` inside `component` (breadth-first, so the shortest). */
function pathThrough(component, start) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of graph.get(node)) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

if (circles.length > 0) {
  console.error(`import circles (${circles.length}); break each by moving what both sides need into a module of its own:`);
  for (const circle of circles) console.error(`  ${circle.map((file) => relative(root, file)).join(' → ')}`);
  process.exit(1);
}
console.log(`import circles: none in ${files.length} modules`);
