/** The msgpack settings every record is read and written with, and the fields a key implies. */
import { Packr } from 'msgpackr';

/**
 * Plain msgpack, no records/structures learned at run time: bytes written by
 * one process are readable by any other. Works with or without msgpackr's
 * optional native add-on.
 */
export const packr = new Packr({ useRecords: false, moreTypes: false, variableMapSize: true, int64AsType: 'number', mapsAsObjects: true });

/** Field values known from the key, keyed by field name. */
export type Implied = Readonly<Record<string, string>>;

/** No implied fields. */
export const NO_IMPLIED: Implied = {};
