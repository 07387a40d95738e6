import Type, { type Static } from 'typebox';

/** The console driver has nothing to set: it writes where the server's standard output goes. */
export const ConsoleSettings = Type.Object({});
export type ConsoleSettings = Static<typeof ConsoleSettings>;
