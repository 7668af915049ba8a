/**
 * A local fake Discord gateway: a `ws` WebSocketServer on 127.0.0.1 that
 * speaks enough of gateway v10 (JSON encoding, no compression) for a real
 * `@discordjs/ws` WebSocketManager to connect, identify, heartbeat, resume
 * and request guild members, while a test pushes dispatches at it.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  GatewayDispatchEvents,
  GatewayOpcodes,
  type APIGuildMember,
  type GatewayDispatchPayload,
  type GatewayIdentifyData,
  type GatewayRequestGuildMembersData,
  type GatewayResumeData,
  type RESTGetAPIGatewayBotResult,
} from 'discord-api-types/v10';
import { WebSocketServer, type WebSocket } from 'ws';
import { shardForGuild } from '../random.js';
import type { World } from '../generate/world.js';

/** Options of a {@link FakeGateway}. */
export interface FakeGatewayOptions {
  /** Number of shards the gateway recommends and expects (`shard[1]` of IDENTIFY). Default 1. */
  shards?: number;
  /** HELLO's `heartbeat_interval`, in milliseconds. Default 41 250 (Discord's). */
  heartbeatIntervalMs?: number;
  /** Members per GUILD_MEMBERS_CHUNK. Default 1000 (Discord's). */
  chunkSize?: number;
  /** Port to listen on (0 = a free port). Default 0. */
  port?: number;
}

/** What the gateway remembers of one shard's session. */
interface Session {
  readonly id: string;
  readonly shardId: number;
  seq: number;
  valid: boolean;
  /** Every dispatch sent in this session (serialised when sent), for replay on RESUME. */
  readonly sent: { readonly seq: number; readonly json: string }[];
  socket: WebSocket | undefined;
}

/** Events a {@link FakeGateway} emits, for tests that want to wait on the protocol. */
export interface FakeGatewayEvents {
  identify: [shardId: number, data: GatewayIdentifyData];
  /** A new session started: READY and every GUILD_CREATE of the shard were sent. */
  ready: [shardId: number, sessionId: string];
  resume: [shardId: number, data: GatewayResumeData, resumed: boolean];
  requestGuildMembers: [shardId: number, data: GatewayRequestGuildMembersData];
  heartbeat: [shardId: number | undefined];
  close: [shardId: number | undefined, code: number];
}

type SendPayload = { op: GatewayOpcodes; d: unknown; s?: number | null; t?: string | null };

/** A fake Discord gateway serving a {@link World}. */
export class FakeGateway extends EventEmitter<FakeGatewayEvents> {
  /** The simulated Discord this gateway serves GUILD_CREATE and member chunks from (change it freely). */
  readonly world: World;
  /** Shard count the gateway recommends and expects. */
  readonly shardCount: number;
  readonly #heartbeatIntervalMs: number;
  readonly #chunkSize: number;
  readonly #port: number;
  #server: WebSocketServer | undefined;
  /** Live sessions by shard id (one per shard, as Discord allows one session per shard). */
  readonly #sessions = new Map<number, Session>();
  /** Dispatches pushed while a shard had no session at all: dropped, as Discord would (counted for tests). */
  #dropped = 0;

  constructor(world: World, options: FakeGatewayOptions = {}) {
    super();
    this.world = world;
    this.shardCount = options.shards ?? 1;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    this.#chunkSize = options.chunkSize ?? 1000;
    this.#port = options.port ?? 0;
  }

  /** Start listening on 127.0.0.1. Resolves once the port is bound. */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = new WebSocketServer({ host: '127.0.0.1', port: this.#port });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket) => this.#onConnection(socket));
    this.#server = server;
  }

  /** Close every connection and stop listening. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The gateway's `ws://` URL (also sent as READY's `resume_gateway_url`). */
  get url(): string {
    if (!this.#server) throw new Error('FakeGateway.start() has not been called');
    return `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** What `GET /gateway/bot` would return for this gateway. */
  gatewayBotInfo(): RESTGetAPIGatewayBotResult {
    return {
      url: this.url,
      shards: this.shardCount,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 16 },
    };
  }

  /** Whether a shard currently has an open connection that identified or resumed. */
  isConnected(shardId: number): boolean {
    const socket = this.#sessions.get(shardId)?.socket;
    return socket !== undefined && socket.readyState === socket.OPEN;
  }

  /** Dispatches pushed to a shard that had no session (lost, as on Discord). */
  get droppedDispatches(): number {
    return this.#dropped;
  }

  /** The shard a guild belongs to on this gateway. */
  shardFor(guildId: string): number {
    return shardForGuild(guildId, this.shardCount);
  }

  /**
   * Send a dispatch. It goes to `shardId` when given, else to the shard of its
   * guild (`d.guild_id`, or `d.id` for GUILD_CREATE/UPDATE/DELETE), else to every shard. A shard that is disconnected but has a
   * resumable session gets it on RESUME (replay); a shard without a session
   * never sees it. Returns the sequence numbers assigned.
   */
  dispatch(payload: GatewayDispatchPayload, shardId?: number): number[] {
    // A test may push hostile payloads (`d` null, a number, …): route those to every shard instead of throwing.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: the payload may be hostile on purpose
    const data = (typeof payload.d === 'object' && payload.d !== null ? payload.d : {}) as { id?: unknown; guild_id?: unknown };
    // GUILD_CREATE/UPDATE/DELETE carry the guild as `id`, every other guild event as `guild_id`.
    const guildId =
      payload.t === GatewayDispatchEvents.GuildCreate || payload.t === GatewayDispatchEvents.GuildUpdate || payload.t === GatewayDispatchEvents.GuildDelete
        ? data.id
        : data.guild_id;
    const targets =
      shardId !== undefined
        ? [shardId]
        : typeof guildId === 'string' && /^[0-9]{1,20}$/.test(guildId)
          ? [this.shardFor(guildId)]
          : Array.from({ length: this.shardCount }, (_, i) => i);
    const seqs: number[] = [];
    for (const target of targets) {
      const session = this.#sessions.get(target);
      if (!session?.valid) {
        this.#dropped++;
        continue;
      }
      seqs.push(this.#sendDispatch(session, payload.t, payload.d));
    }
    return seqs;
  }

  /**
   * Drop a shard's connection (every shard when omitted) with a close code the
   * client treats as resumable (4000 by default); the session stays valid, and
   * dispatches pushed meanwhile are replayed on RESUME. Resolves once closed.
   */
  async disconnect(shardId?: number, code = 4000): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const session of this.#targets(shardId)) {
      const socket = session.socket;
      if (!socket) continue;
      session.socket = undefined;
      closing.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
      socket.close(code, 'fake gateway forced a disconnect');
    }
    await Promise.all(closing);
  }

  /** Drop a shard's TCP connection without a close frame (as a network loss would). */
  terminate(shardId?: number): void {
    for (const session of this.#targets(shardId)) {
      session.socket?.terminate();
      session.socket = undefined;
    }
  }

  /**
   * Invalidate a shard's session (every shard when omitted): a connected
   * client gets INVALID_SESSION (not resumable) and identifies afresh; a
   * disconnected client's next RESUME is refused the same way.
   */
  invalidateSession(shardId?: number): void {
    for (const session of this.#targets(shardId)) {
      session.valid = false;
      this.#send(session.socket, { op: GatewayOpcodes.InvalidSession, d: false });
    }
  }

  #targets(shardId: number | undefined): Session[] {
    return [...this.#sessions.values()].filter((s) => shardId === undefined || s.shardId === shardId);
  }

  #send(socket: WebSocket | undefined, payload: SendPayload): void {
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
  }

  #sendDispatch(session: Session, t: string, d: unknown): number {
    session.seq += 1;
    // Serialised now: a replay must send what Discord sent then, not the objects' later state.
    const json = JSON.stringify({ op: GatewayOpcodes.Dispatch, t, d, s: session.seq });
    session.sent.push({ seq: session.seq, json });
    const socket = session.socket;
    if (socket && socket.readyState === socket.OPEN) socket.send(json);
    return session.seq;
  }

  #onConnection(socket: WebSocket): void {
    let shardId: number | undefined;
    this.#send(socket, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.#heartbeatIntervalMs } });
    socket.on('close', (code) => this.emit('close', shardId, code));
    socket.on('message', (raw) => {
      let message: { op?: unknown; d?: unknown };
      try {
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- ws hands the server a Buffer (its default binaryType)
        message = JSON.parse(String(raw)) as { op?: unknown; d?: unknown };
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (message.op) {
        case GatewayOpcodes.Heartbeat:
          this.emit('heartbeat', shardId);
          this.#send(socket, { op: GatewayOpcodes.HeartbeatAck, d: null });
          break;
        case GatewayOpcodes.Identify:
          shardId = this.#identify(socket, message.d as GatewayIdentifyData);
          break;
        case GatewayOpcodes.Resume:
          shardId = this.#resume(socket, message.d as GatewayResumeData);
          break;
        case GatewayOpcodes.RequestGuildMembers:
          if (shardId === undefined) socket.close(4003, 'Not authenticated.');
          else this.#requestGuildMembers(shardId, message.d as GatewayRequestGuildMembersData);
          break;
        case GatewayOpcodes.PresenceUpdate:
        case GatewayOpcodes.VoiceStateUpdate:
          break;
        default:
          socket.close(4001, 'Unknown opcode.');
      }
    });
  }

  #identify(socket: WebSocket, data: GatewayIdentifyData): number | undefined {
    const [shardId, shardCount] = data.shard ?? [0, 1];
    if (shardCount !== this.shardCount || shardId < 0 || shardId >= shardCount) {
      socket.close(4010, 'Invalid shard.');
      return undefined;
    }
    this.emit('identify', shardId, data);
    const previous = this.#sessions.get(shardId);
    if (previous?.socket && previous.socket !== socket) previous.socket.terminate();
    const session: Session = { id: randomUUID().replace(/-/g, ''), shardId, seq: 0, valid: true, sent: [], socket };
    this.#sessions.set(shardId, session);
    const guildIds = [...this.world.guilds.keys()].filter((id) => this.shardFor(id) === shardId);
    this.#sendDispatch(session, GatewayDispatchEvents.Ready, {
      v: 10,
      user: this.world.me,
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.url,
      shard: [shardId, shardCount],
      application: { id: this.world.me.id, flags: 0 },
    });
    for (const id of guildIds) this.#sendDispatch(session, GatewayDispatchEvents.GuildCreate, this.world.guildCreate(id));
    this.emit('ready', shardId, session.id);
    return shardId;
  }

  #resume(socket: WebSocket, data: GatewayResumeData): number | undefined {
    const session = [...this.#sessions.values()].find((s) => s.id === data.session_id);
    if (!session?.valid) {
      this.emit('resume', session?.shardId ?? -1, data, false);
      this.#send(socket, { op: GatewayOpcodes.InvalidSession, d: false });
      return undefined;
    }
    if (session.socket && session.socket !== socket) session.socket.terminate();
    session.socket = socket;
    this.emit('resume', session.shardId, data, true);
    for (const { seq, json } of session.sent) if (seq > data.seq) socket.send(json);
    this.#sendDispatch(session, GatewayDispatchEvents.Resumed, null);
    return session.shardId;
  }

  #requestGuildMembers(shardId: number, data: GatewayRequestGuildMembersData): void {
    this.emit('requestGuildMembers', shardId, data);
    const session = this.#sessions.get(shardId);
    const guild = this.world.guilds.get(data.guild_id);
    if (!session || !guild) return;
    let ids = [...guild.members.keys()];
    const notFound: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- runtime check: a client's request, whatever its type says
    if ('user_ids' in data && data.user_ids !== undefined) {
      const wanted = Array.isArray(data.user_ids) ? data.user_ids : [data.user_ids];
      ids = wanted.filter((id) => guild.members.has(id));
      notFound.push(...wanted.filter((id) => !guild.members.has(id)));
    } else if ('query' in data && data.query) {
      const query = data.query.toLowerCase();
      ids = ids.filter((id) => this.world.users.get(id)?.username.toLowerCase().startsWith(query));
    }
    const limit = 'limit' in data ? data.limit : 0;
    if (limit) ids = ids.slice(0, limit);
    const chunkCount = Math.max(1, Math.ceil(ids.length / this.#chunkSize));
    for (let index = 0; index < chunkCount; index++) {
      const slice = ids.slice(index * this.#chunkSize, (index + 1) * this.#chunkSize);
      const members: APIGuildMember[] = slice.map((id) => {
        const { guild_id: _omit, ...member } = this.world.memberPayload(data.guild_id, id);
        return member;
      });
      this.#sendDispatch(session, GatewayDispatchEvents.GuildMembersChunk, {
        guild_id: data.guild_id,
        members,
        chunk_index: index,
        chunk_count: chunkCount,
        ...(index === 0 && notFound.length > 0 ? { not_found: notFound } : {}),
        ...(data.presences ? { presences: slice.flatMap((id) => guild.presences.get(id) ?? []).map(({ guild_id: _g, ...p }) => p) } : {}),
        ...(data.nonce === undefined ? {} : { nonce: data.nonce }),
      });
    }
  }
}
