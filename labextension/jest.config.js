/** Unit tests run the pure frontend logic in jsdom, compiled by ts-jest. */
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  },
  testEnvironmentOptions: { url: 'http://localhost:8888/lab' }
};
