/**
 * The benchmark's data: seeded guilds of 1k–100k members as the gateway
 * delivers them (GUILD_CREATE with the first 250 members, then
 * GUILD_MEMBERS_CHUNKs of 1000), plus message payloads. Built with
 * `@sake/simulator`, then touched up with what a codec meets less often:
 * timestamps spelled `…Z` (a share; Discord sends `…+00:00`), animated avatar
 * hashes, and fields no codec knows yet. The correctness test ingests the same data and compares it back.
 */
import { Random, World, EventScript, type ScriptEventKind } from '@sake/simulator';
import {
  GatewayDispatchEvents,
  GatewayOpcodes,
  type APIGuildMember,
  type APIMessage,
  type APIUser,
  type GatewayDispatchPayload,
  type GatewayGuildCreateDispatchData,
  type GatewayGuildMembersChunkDispatchData,
  type GatewayMessageCreateDispatchData,
} from 'discord-api-types/v10';

/** A member as the gateway sends it: with its full `user`. */
export type MemberPayload = APIGuildMember & { user: APIUser };

/** What one guild's ingest consists of. */
export interface GuildPayloads {
  /** The guild's id. */
  readonly guildId: string;
  /** The GUILD_CREATE dispatch (carrying the first `createMemberLimit` members). */
  readonly create: GatewayDispatchPayload;
  /** The GUILD_MEMBERS_CHUNK dispatches carrying every other member. */
  readonly chunks: readonly GatewayDispatchPayload[];
  /** Every member of the guild, as sent (GUILD_CREATE's first, then the chunks'). */
  readonly members: readonly MemberPayload[];
}

/** Options of {@link buildIngestDataset}. */
export interface DatasetOptions {
  /** Seed of every random choice. Default 42. */
  seed?: number;
  /** Members of each guild (one guild per entry). */
  guildSizes: readonly number[];
  /** Members GUILD_CREATE carries (Discord's `large_threshold`, at most 250). Default 250. */
  createMemberLimit?: number;
  /** Members per GUILD_MEMBERS_CHUNK (Discord sends 1000). Default 1000. */
  chunkSize?: number;
  /** Share of members (and of their users) given fields no codec knows yet. Default 0.02. */
  unknownFieldShare?: number;
  /** Share of members whose timestamps keep Discord's own format (`…936000+00:00`, what the real gateway and the simulator send); the rest are written `…Z`. Default 1. */
  discordTimestampShare?: number;
  /** Share of users with an animated (`a_…`) avatar hash. Default 0.05. */
  animatedAvatarShare?: number;
  /** Share of a guild's members who are also members of another guild. Default 0.05. */
  sharedUserShare?: number;
}

/** The guilds to ingest and everything needed to check or read them back. */
export interface IngestDataset {
  /** The simulated world the payloads come from (the truth). */
  readonly world: World;
  /** Per guild, largest first. */
  readonly guilds: readonly GuildPayloads[];
  /** Members over every guild. */
  readonly memberCount: number;
  /** Distinct users over every guild. */
  readonly userCount: number;
  /** The READY that starts the session (the bot's user, its guilds unavailable until their GUILD_CREATE). */
  readonly ready: GatewayDispatchPayload;
}

const BASE_MEMBERS = 50;

/**
 * A timestamp in Discord's format (microseconds and an explicit UTC offset, what the real gateway and
 * the simulator send) respelled as JavaScript's `toISOString` writes it (`….936Z`), which the codec
 * stores the long way: the share of such values a dataset holds is one of its knobs.
 */
export function isoTimestamp(discord: string): string {
  const match = /^(.*T\d\d:\d\d:\d\d)\.(\d{3})\d{3}\+00:00$/.exec(discord);
  return match ? `${match[1]}.${match[2]}Z` : discord;
}

/**
 * A value of a field no codec knows. Deliberately awkward: strings that look
 * like snowflakes, hashes and timestamps but are not canonical, nested
 * containers, floats, big and negative numbers.
 */
function unknownValue(random: Random): unknown {
  switch (random.int(0, 13)) {
    case 0:
      return random.word(random.int(0, 12));
    case 1:
      return random.int(-1_000_000, 1_000_000);
    case 2:
      return random.next() * 1e6 - 5e5;
    case 3:
      return random.chance(0.5);
    case 4:
      return null;
    case 5:
      return [random.int(0, 9), random.word(3), null, { deep: random.chance(0.5) }];
    case 6:
      return { asset: random.hex(32), sku_id: `1${random.int(10 ** 17, 10 ** 18 - 1)}`, expires_at: null };
    case 7:
      return `0${random.int(10 ** 16, 10 ** 17 - 1)}`; // a snowflake-looking string with a leading zero
    case 8:
      return random.hex(32).toUpperCase(); // a hash-looking string that is not lowercase hex
    case 9:
      return '2024-02-30T25:61:00Z'; // a timestamp-looking string that is not a valid timestamp
    case 10:
      return 'ünïcødé ✨ 日本語';
    case 11:
      return {};
    case 12:
      return [];
    default:
      return Number.MAX_SAFE_INTEGER - random.int(0, 1000);
  }
}

/** Add 1–3 fields no codec knows to `target` (realistic new Discord names and made-up ones). */
export function addUnknownFields(target: Record<string, unknown>, random: Random): void {
  const names = ['avatar_decoration_data', 'collectibles', 'primary_guild', 'x_sake_future', 'x_sake_nested', 'clan'];
  const count = random.int(1, 3);
  for (let i = 0; i < count; i++) {
    const name = random.pick(names);
    if (!(name in target)) target[name] = unknownValue(random);
  }
}

/** Build a dispatch payload. */
function dispatch(t: GatewayDispatchEvents, d: unknown): GatewayDispatchPayload {
  return { op: GatewayOpcodes.Dispatch, t, d, s: 0 } as GatewayDispatchPayload;
}

/** Generate the guilds to ingest (see {@link DatasetOptions}). Deterministic for a seed. */
export function buildIngestDataset(options: DatasetOptions): IngestDataset {
  const seed = options.seed ?? 42;
  const sizes = [...options.guildSizes].sort((a, b) => b - a);
  const createLimit = options.createMemberLimit ?? 250;
  const chunkSize = options.chunkSize ?? 1000;
  const unknownShare = options.unknownFieldShare ?? 0.02;
  const discordShare = options.discordTimestampShare ?? 1;
  const animatedShare = options.animatedAvatarShare ?? 0.05;
  const sharedShare = options.sharedUserShare ?? 0.05;
  const world = new World({ seed, guilds: sizes.length, membersPerGuild: Math.min(BASE_MEMBERS, ...sizes), sharedUsers: 5, presenceRatio: 0.6 });
  // Touch-ups draw from their own generator, so the world stays what the simulator makes of the seed.
  const touch = new Random(seed ^ 0x5eed);
  const guildIds = [...world.guilds.keys()];
  const pool: APIUser[] = [];

  guildIds.forEach((guildId, index) => {
    const target = sizes[index] ?? BASE_MEMBERS;
    const state = world.guild(guildId);
    while (state.members.size < target) {
      const shared = pool.length > 0 && touch.chance(sharedShare) ? touch.pick(pool) : undefined;
      if (shared && state.members.has(shared.id)) continue;
      // Members added here come through chunks, which carry no presences.
      world.addMember(guildId, shared, 0);
    }
    for (const userId of state.members.keys()) if (pool.length < 5000 && touch.chance(0.05)) pool.push(world.users.get(userId)!);
  });

  // The `…Z` spelling of the share not in Discord's format goes into the world itself, so the event
  // stream's members (MESSAGE_CREATE authors, member updates) carry the same values as the ingested ones.
  for (const guildId of guildIds) {
    for (const member of world.guild(guildId).members.values()) {
      if (touch.chance(discordShare)) continue;
      member.joined_at = isoTimestamp(member.joined_at!);
      if (member.premium_since) member.premium_since = isoTimestamp(member.premium_since);
    }
  }

  const touchedUsers = new Set<string>();
  for (const user of world.users.values()) {
    if (touchedUsers.has(user.id)) continue;
    touchedUsers.add(user.id);
    if (user.avatar && touch.chance(animatedShare)) user.avatar = `a_${user.avatar}`;
    if (touch.chance(unknownShare)) addUnknownFields(user as unknown as Record<string, unknown>, touch);
  }

  const guilds: GuildPayloads[] = [];
  let memberCount = 0;
  const users = new Set<string>();
  for (const guildId of guildIds) {
    const create = world.guildCreate(guildId) as GatewayGuildCreateDispatchData & Record<string, unknown>;
    const members = create.members as MemberPayload[];
    for (const member of members) {
      users.add(member.user.id);
      const m = member as MemberPayload & Record<string, unknown>;
      if (touch.chance(unknownShare)) addUnknownFields(m, touch);
    }
    if (touch.chance(0.5)) addUnknownFields(create, touch);
    for (const role of create.roles) if (touch.chance(unknownShare * 5)) addUnknownFields(role as unknown as Record<string, unknown>, touch);
    for (const channel of create.channels) if (touch.chance(unknownShare * 5)) addUnknownFields(channel as unknown as Record<string, unknown>, touch);
    for (const presence of create.presences) if (touch.chance(unknownShare * 5)) addUnknownFields(presence as unknown as Record<string, unknown>, touch);
    for (const voice of create.voice_states) if (touch.chance(unknownShare * 5)) addUnknownFields(voice as unknown as Record<string, unknown>, touch);

    const inCreate = members.slice(0, createLimit);
    const inCreateIds = new Set(inCreate.map((m) => m.user.id));
    const rest = members.slice(createLimit);
    const createPayload = {
      ...create,
      members: inCreate,
      // A large guild's GUILD_CREATE carries the presences of the members it carries.
      presences: create.presences.filter((p) => inCreateIds.has(p.user.id)),
      large: members.length > createLimit,
    };
    const chunkCount = Math.ceil(rest.length / chunkSize);
    const chunks: GatewayDispatchPayload[] = [];
    for (let i = 0; i < chunkCount; i++) {
      const data: GatewayGuildMembersChunkDispatchData = {
        guild_id: guildId,
        members: rest.slice(i * chunkSize, (i + 1) * chunkSize),
        chunk_index: i,
        chunk_count: chunkCount,
        not_found: [],
        nonce: `bench-${guildId}`,
      };
      chunks.push(dispatch(GatewayDispatchEvents.GuildMembersChunk, data));
    }
    guilds.push({ guildId, create: dispatch(GatewayDispatchEvents.GuildCreate, createPayload), chunks, members });
    memberCount += members.length;
  }
  const ready = dispatch(GatewayDispatchEvents.Ready, {
    v: 10,
    user: world.me,
    guilds: guildIds.map((id) => ({ id, unavailable: true })),
    session_id: 'bench',
    resume_gateway_url: 'wss://gateway.invalid',
    shard: [0, 1],
    application: { id: world.me.id, flags: 0 },
  });
  return { world, guilds, memberCount, userCount: users.size, ready };
}

/** Every (guild, user) pair of a dataset, in ingest order. */
export function memberPairs(dataset: IngestDataset): [guildId: string, userId: string][] {
  const out: [string, string][] = [];
  for (const guild of dataset.guilds) for (const member of guild.members) out.push([guild.guildId, member.user.id]);
  return out;
}

/** `count` pairs drawn at random (with a seed) from {@link memberPairs}. */
export function samplePairs(dataset: IngestDataset, count: number, seed = 7): [string, string][] {
  const all = memberPairs(dataset);
  const random = new Random(seed);
  return Array.from({ length: count }, () => all[random.int(0, all.length - 1)]!);
}

/** Options of {@link buildMessageCreates}. */
export interface MessageOptions {
  /** Seed of the touch-ups. Default 9. */
  seed?: number;
  /** Share of messages given fields no codec knows (top level and inside embeds). Default 0.1. */
  unknownFieldShare?: number;
  /** Share of messages whose timestamps keep Discord's own format (the rest are written `…Z`). Default 1. */
  discordTimestampShare?: number;
}

/** `count` MESSAGE_CREATE dispatches in the dataset's guilds (the world records them as sent). */
export function buildMessageCreates(dataset: IngestDataset, count: number, options: MessageOptions = {}): GatewayDispatchPayload[] {
  const onlyMessages: Partial<Record<ScriptEventKind, number>> = {};
  for (const kind of Object.keys(KINDS) as ScriptEventKind[]) onlyMessages[kind] = kind === 'messageCreate' ? 1 : 0;
  const script = new EventScript(dataset.world, onlyMessages);
  const touch = new Random(options.seed ?? 9);
  // The author's member rides along and is merged into the cached one: send it as it was ingested, so the merge changes nothing.
  const ingested = new Map<string, MemberPayload>();
  for (const guild of dataset.guilds) for (const member of guild.members) ingested.set(`${guild.guildId}:${member.user.id}`, member);
  const unknownShare = options.unknownFieldShare ?? 0.1;
  const discordShare = options.discordTimestampShare ?? 1;
  return script.take(count).map(({ payload }) => {
    const d = payload.d as GatewayMessageCreateDispatchData & Record<string, unknown>;
    const member = ingested.get(`${String(d.guild_id)}:${d.author.id}`);
    if (member) {
      const { user: _user, ...rest } = member;
      d.member = rest;
    }
    if (!touch.chance(discordShare)) d.timestamp = isoTimestamp(d.timestamp);
    if (touch.chance(unknownShare)) {
      addUnknownFields(d, touch);
      const embed = (d as APIMessage).embeds[0];
      if (embed) addUnknownFields(embed as unknown as Record<string, unknown>, touch);
    }
    return payload;
  });
}

/** Every kind of script step (to switch all but some off). */
const KINDS: Record<ScriptEventKind, true> = {
  messageCreate: true,
  messageUpdate: true,
  messageDelete: true,
  messageDeleteBulk: true,
  reactionAdd: true,
  reactionRemove: true,
  reactionRemoveAll: true,
  reactionRemoveEmoji: true,
  presenceUpdate: true,
  memberAdd: true,
  memberUpdate: true,
  memberRemove: true,
  voiceStateUpdate: true,
  inviteCreate: true,
  inviteDelete: true,
  channelCreate: true,
  channelUpdate: true,
  channelDelete: true,
  threadCreate: true,
  roleCreate: true,
  roleUpdate: true,
  roleDelete: true,
  emojisUpdate: true,
  guildUpdate: true,
  pinsUpdate: true,
};
