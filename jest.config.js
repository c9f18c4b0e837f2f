/** Jest runs the TypeScript sources as ES modules, as NestJS 12 requires. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // The browser specs need Chromium and run on their own: npm run test:browser.
  testPathIgnorePatterns: ['/node_modules/', '/test/browser/'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
};
