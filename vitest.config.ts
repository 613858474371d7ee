import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/setup/secret-scan.setup.ts', 'test/setup/secret-scan-report.setup.ts', 'test/setup/prototype-canary.setup.ts'],
    globalSetup: ['test/setup/secret-scan.global.ts'],
  },
});
