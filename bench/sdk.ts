/**
 * The SDK as a host runs it: the compiled package in dist/ (`npm run bench` builds it first),
 * not the TypeScript sources through a loader that adds its own helpers to every function.
 */
export * from '../dist/sdk/index.js';
