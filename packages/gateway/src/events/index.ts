/** Every translator, by event name. */
import { channelTranslators } from './channels.js';
import { guildTranslators } from './guilds.js';
import { inviteTranslators } from './invites.js';
import { meTranslators } from './me.js';
import { memberTranslators } from './members.js';
import { messageTranslators } from './messages.js';
import { presenceTranslators } from './presences.js';
import { reactionTranslators } from './reactions.js';
import type { TranslatorTable } from './types.js';
import { voiceTranslators } from './voice.js';

/** The translator of every dispatch event the cache reacts to; other events are only dispatched. */
export const TRANSLATORS: TranslatorTable = {
  ...meTranslators,
  ...guildTranslators,
  ...channelTranslators,
  ...memberTranslators,
  ...presenceTranslators,
  ...voiceTranslators,
  ...messageTranslators,
  ...reactionTranslators,
  ...inviteTranslators,
};

export type * from './types.js';
export { shardOf } from './me.js';
