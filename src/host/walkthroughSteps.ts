/**
 * The facts of the Get Started walkthrough (package.json `contributes.walkthroughs`): its id, the
 * events that complete its steps, the context key each step's `completionEvents` waits on, and
 * where its state lives. No vscode import, so the unit test checks package.json against these.
 */

/** The walkthrough's id in package.json; VS Code's full id is `<extension id>#<this>`. */
export const WALKTHROUGH_ID = 'gettingStarted';

/** The real events that check steps off, in walkthrough order. */
export const WALKTHROUGH_EVENTS = [
  'sourceChosen',
  'apiKeyStored',
  'modelLoaded',
  'firstAnswer',
  'fixAccepted',
] as const;

export type WalkthroughEvent = (typeof WALKTHROUGH_EVENTS)[number];

/** The step each event completes (package.json step ids). */
export const WALKTHROUGH_STEP_OF: Readonly<Record<WalkthroughEvent, string>> = {
  sourceChosen: 'chooseSource',
  apiKeyStored: 'setApiKey',
  modelLoaded: 'localModel',
  firstAnswer: 'firstQuestion',
  fixAccepted: 'fixSample',
};

/** The context key set true when `event` happened; each step lists `onContext:<key>` among its completionEvents. */
export function walkthroughContextKey(event: WalkthroughEvent): string {
  return `r1Coder.walkthrough.${event}`;
}

/** globalState: the events that happened (so the keys are set again at activation, after a reload). */
export const WALKTHROUGH_DONE_STATE_KEY = 'r1Coder.walkthrough.done';
/** globalState: the walkthrough was opened once on first activation; never again. */
export const WALKTHROUGH_OPENED_STATE_KEY = 'r1Coder.walkthrough.opened';

/** The sample bug (shipped with the media); R1: Open the Fix Selection Sample opens a copy of it, selected. */
export const FIX_SAMPLE_PATH = 'media/walkthrough/sample/average.js';

export function isWalkthroughEvent(value: unknown): value is WalkthroughEvent {
  return typeof value === 'string' && (WALKTHROUGH_EVENTS as readonly string[]).includes(value);
}
