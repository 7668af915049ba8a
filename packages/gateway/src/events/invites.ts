/** Invites (each expires with its `max_age`). */
import { GatewayDispatchEvents } from 'discord-api-types/v10';
import { mutation, type InviteEntity } from '@sake/abc';
import { MalformedPayload, object, optionalSnowflake, snowflake, string } from '../validate.js';
import type { TranslatorTable } from './types.js';

const INVITE_CODE = /^[A-Za-z0-9_-]{1,100}$/;

function code(d: Record<string, unknown>, where: string): string {
  const value = string(d, 'code', where);
  if (!INVITE_CODE.test(value)) throw new MalformedPayload(`${where}.code is not an invite code: ${JSON.stringify(value.slice(0, 30))}`);
  return value;
}

/** Translators of the invite events. */
export const inviteTranslators: TranslatorTable = {
  [GatewayDispatchEvents.InviteCreate]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'INVITE_CREATE');
      code(d, 'INVITE_CREATE');
      snowflake(d, 'channel_id', 'INVITE_CREATE');
      optionalSnowflake(d, 'guild_id', 'INVITE_CREATE');
      const maxAge = typeof d.max_age === 'number' ? d.max_age : 0;
      // max_age 0 means the invite never expires.
      return { mutations: [mutation.set('invite', d as unknown as InviteEntity, maxAge > 0 ? { ttlMs: maxAge * 1000 } : {})] };
    },
  },

  [GatewayDispatchEvents.InviteDelete]: {
    reads: 'never',
    translate(data) {
      const d = object(data, 'INVITE_DELETE');
      const inviteCode = code(d, 'INVITE_DELETE');
      snowflake(d, 'channel_id', 'INVITE_DELETE');
      return { mutations: [mutation.delete('invite', { code: inviteCode })], oldOf: 0 };
    },
  },
};
