import base from './jest.config.js';

/** The browser specs: a separate run, because they need Chromium installed. */
export default { ...base, roots: ['<rootDir>/test/browser'], testPathIgnorePatterns: ['/node_modules/'] };
