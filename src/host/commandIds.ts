/** Every command the extension registers; a unit test checks this against package.json. */
export const COMMAND_IDS = {
  focusChat: 'r1Coder.focusChat',
  newChat: 'r1Coder.newChat',
  stop: 'r1Coder.stop',
  setApiKey: 'r1Coder.setApiKey',
  clearApiKey: 'r1Coder.clearApiKey',
  explainSelection: 'r1Coder.explainSelection',
  fixSelection: 'r1Coder.fixSelection',
  fixSelectionTimesN: 'r1Coder.fixSelectionTimesN',
  askAboutSelection: 'r1Coder.askAboutSelection',
  editFiles: 'r1Coder.editFiles',
  acceptEdit: 'r1Coder.acceptEdit',
  rejectEdit: 'r1Coder.rejectEdit',
  toggleModel: 'r1Coder.toggleModel',
  showHistory: 'r1Coder.showHistory',
  findInChat: 'r1Coder.findInChat',
  exportConversation: 'r1Coder.exportConversation',
  selectLocalModel: 'r1Coder.selectLocalModel',
  downloadLocalModel: 'r1Coder.downloadLocalModel',
  // Context sources (src/host/context/contextCommands.ts): the `#` picker, which adds to the panel's
  // next question (an AttachmentSink), and the context menus.
  attachContext: 'r1Coder.attachContext',
  addFileToChat: 'r1Coder.addFileToChat',
  addSelectionToChat: 'r1Coder.addSelectionToChat',
  // The Get Started walkthrough's (they register themselves: src/host/walkthrough.ts).
  openWalkthrough: 'r1Coder.openWalkthrough',
  chooseModelSource: 'r1Coder.chooseModelSource',
  openFixSample: 'r1Coder.openFixSample',
  /** Internal (hidden from the palette): records a walkthrough event; see walkthroughEvent(). */
  walkthroughEvent: 'r1Coder.walkthroughEvent',
} as const;

export type CommandId = (typeof COMMAND_IDS)[keyof typeof COMMAND_IDS];

export const VIEW_ID = 'r1Coder.chat';
export const VIEW_CONTAINER_ID = 'r1Coder';
/** Context key true while a turn streams (shows the Stop button in the view title). */
export const BUSY_CONTEXT_KEY = 'r1Coder.busy';

/** The scheme of the virtual right side of an R1 diff preview (menus and keys test resourceScheme for it). */
export const PROPOSED_SCHEME = 'r1-proposed';
/** The scheme of a multi-file review's virtual sides (the proposed file; an empty left side for a new file). */
export const REVIEW_SCHEME = 'r1-review';
/**
 * Context key: some proposal waits for Accept/Reject. The command palette offers the commands on it
 * (they fall back to the newest pending proposal); the diff's title and keys use resourceScheme.
 */
export const ANY_PROPOSAL_CONTEXT_KEY = 'r1Coder.anyProposalPending';
