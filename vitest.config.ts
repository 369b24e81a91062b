import { defineConfig } from 'vitest/config';

/**
 * The load-shaped runs (soak, chaos, load) assert latencies (webhook p99, a batch's end after its last
 * call) on a shared 2-core machine: run beside another heavy file they measure the contention, not
 * the service. So they run last, one at a time, after every other file (sequence.groupOrder).
 */
const HEAVY = [
  'test/integration/soak.test.ts',
  'test/integration/chaos.test.ts',
  'test/integration/load.test.ts',
  'test/integration/fairness.test.ts',
];

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: HEAVY,
          // Integration tests start their own DynamoDB Local JVM per file; two cores cannot take many at once.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'heavy',
          include: HEAVY,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
