/**
 * The script files and their loader (scripts/loader.ts, scripts/index.ts):
 * every `.lua` file is a registered command or an include, each opens with a
 * header giving KEYS, ARGV and the reply, includes are resolved once per
 * script, key formats come from keys.ts only, and a script is read once per
 * process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GUILD_REF_BYTES, KEY_PARTS, Keys, GUILD_CHILD_HASH } from '../../src/keys.js';
import { SCRIPTS } from '../../src/scripts/index.js';
import { CURRENT_SCHEMA } from '../../src/codec/schemas.js';
import { assembleLua, keyPartLocal, LuaLoadError, schemasInclude, scriptSource } from '../../src/scripts/loader.js';

const DIR = new URL('../../src/scripts/', import.meta.url);
const files = (sub = ''): string[] =>
  readdirSync(new URL(sub, DIR))
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -4))
    .sort();
const source = (path: string): string => readFileSync(new URL(`${path}.lua`, DIR), 'utf8');

describe('script files', () => {
  it('every .lua file of scripts/ is a registered command, and every command has its file', () => {
    expect([...new Set(Object.values(SCRIPTS).map((s) => s.file))].sort()).toEqual(files());
  });

  it('every script opens with a header giving KEYS, ARGV and the reply; every include with a header', () => {
    for (const file of files()) {
      const header = /^--\[\[\n([\s\S]*?)\n\]\]\n/.exec(source(file))?.[1];
      expect(header, file).toBeDefined();
      expect(header, file).toMatch(/^ {2}KEYS\b/m);
      expect(header, file).toMatch(/^ {2}ARGV\b/m);
      expect(header, file).toMatch(/^ {2}Returns\b/m);
    }
    for (const name of files('includes/')) expect(source(`includes/${name}`), name).toMatch(/^--\[\[\n[\s\S]*?\n\]\]\n/);
  });

  it('no script or include spells a key format: the key parts come from keys.ts', () => {
    const literals = Object.values(KEY_PARTS).flatMap((v) => [`'${v}'`, `"${v}"`]);
    for (const path of [...files(), ...files('includes/').map((n) => `includes/${n}`)]) {
      const code = source(path).replace(/^--.*$/gm, '');
      for (const literal of literals) expect(code.includes(literal), `${path} spells ${literal}`).toBe(false);
    }
  });
});

describe('the loader', () => {
  it('resolves includes once per script, also when included again through another include', () => {
    const lua = scriptSource('read-members');
    expect(lua).not.toMatch(/^--- @include/m);
    expect(lua.match(/^local KEY_MEMBER_TAILS = /gm)).toHaveLength(1);
    expect(lua.match(/^local function userKeys\(/gm)).toHaveLength(1);
    expect(lua.match(/^local function put\(/gm)).toHaveLength(1);
  });

  it('gives the keys include every key part of keys.ts, and the guild reference width', () => {
    const lua = assembleLua('--- @include "keys"\n');
    for (const [name, value] of Object.entries(KEY_PARTS)) expect(lua).toContain(`local ${keyPartLocal(name)} = '${value}'\n`);
    expect(lua).toContain(`local GUILD_REF_BYTES = ${GUILD_REF_BYTES}\n`);
    expect(keyPartLocal('memberTails')).toBe('KEY_MEMBER_TAILS');
  });

  it('gives the schemas include the field names of every resource in order, header byte and layout, and refuses names needing escapes', () => {
    const lua = assembleLua('--- @include "schemas"\n');
    for (const [resource, schema] of Object.entries(CURRENT_SCHEMA)) {
      expect(lua).toContain(`  ['${resource}'] = '${schema.fields.map(([n]) => n).join(' ')}',\n`);
      expect(lua).toContain(`  ['${resource}'] = ${schema.header},\n`);
      expect(lua.includes(`  [${schema.header}] = true,\n`)).toBe(schema.coded);
    }
    expect(lua.match(/^local SCHEMA_(FIELD_LIST|HEADER|CODED) = \{$/gm)).toHaveLength(3);
    expect(lua).toMatch(/^local SCHEMA_FIELDS = setmetatable\(/m);
    const user = CURRENT_SCHEMA.user;
    expect(() => schemasInclude({ user: { ...user, fields: [...user.fields, ["it's", 'raw']] } })).toThrow(LuaLoadError);
    expect(() => schemasInclude({ 'a-b': user })).toThrow(/"a-b"/);
  });

  it('builds the keys scripts derive from the same parts as keys.ts', () => {
    const keys = new Keys('P');
    const tag = keys.guildTag('1');
    expect(keys.guildMeta('1')).toBe(tag + KEY_PARTS.guildMeta);
    expect(keys.memberBucket('1', 3)).toBe(tag + KEY_PARTS.memberBucket + '3');
    expect(keys.memberBucketPrefix('1')).toBe(tag + KEY_PARTS.memberBucket);
    expect(keys.memberTails('1', 3)).toBe(keys.memberBucket('1', 3) + KEY_PARTS.memberTails);
    expect(keys.guildChild('1', 'voiceState')).toBe(tag + KEY_PARTS.guildChild + GUILD_CHILD_HASH.voiceState);
    const utag = `P${KEY_PARTS.userTagOpen}5${KEY_PARTS.userTagClose}`;
    expect(keys.userTag(5)).toBe(utag);
    expect([keys.users(5), keys.userTails(5), keys.memberGuilds(5), keys.presenceGuilds(5), keys.orphans(5), keys.authorIndexPrefix(5)]).toEqual(
      [KEY_PARTS.users, KEY_PARTS.userTails, KEY_PARTS.memberGuilds, KEY_PARTS.presenceGuilds, KEY_PARTS.orphans, KEY_PARTS.authorIndex].map((p) => utag + p),
    );
  });

  it('refuses a missing include and a bad include name, naming the script', () => {
    expect(() => assembleLua('--- @include "no-such-helper"\n', 'probe')).toThrow(LuaLoadError);
    expect(() => assembleLua('--- @include "no-such-helper"\n', 'probe')).toThrow(/no-such-helper\.lua[\s\S]*\(in probe → includes\/no-such-helper\)/);
    expect(() => assembleLua('--- @include "../values"\n', 'probe')).toThrow(/bad include name "\.\.\/values" \(in probe\)/);
  });

  it('reads a script once per process: later calls answer the same text', () => {
    expect(scriptSource('guild-ops')).toBe(scriptSource('guild-ops'));
  });
});
