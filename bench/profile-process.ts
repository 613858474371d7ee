/**
 * One client profiled in its own process: `profile-process.ts <client name> <server url> <requests> <concurrency>`.
 * Warms up, then records a V8 CPU profile (node:inspector) around the measured requests only, so
 * start-up and module loading are not in it, and prints the profile's JSON and the sample on stdout.
 */
import { Session } from 'node:inspector/promises';
import { inspectedClient } from './inspected-client.js';
import { measure } from './measure.js';

const { client, requests, concurrency } = await inspectedClient('profile-process', 2_000);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const sample = await measure(client.call, requests, concurrency);
const { profile } = await session.post('Profiler.stop');
session.disconnect();
await client.close();
process.stdout.write(JSON.stringify({ sample, profile }));
