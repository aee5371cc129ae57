// Internal: how deep a waterfall draws its tree guides. renderTree (tree.ts)
// and the viewer's page (src/viewer/_ui_script.ts) both stop indenting here,
// so a span deeper than this is drawn at this indentation with its real
// depth written in, and a 20,000-deep chain gives lines of the same width as
// a 30-deep one.

/** Levels of tree guides drawn before indentation stops growing. */
export const MAX_GUIDES = 24;
