import type { ApolloServerPlugin } from '@apollo/server';

/**
 * Every GraphQL answer says `Cache-Control: no-store`: answers carry tokens and user data.
 * Apollo's default cache-control plugin wrote this header, but it also ran a hook on every field
 * resolved (100 users with their tokens: hundreds of calls per request) to compute cache hints
 * this API never gives. It is turned off, and this plugin keeps its header.
 */
export function noStorePlugin(): ApolloServerPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: ({ response }) => {
          response.http.headers.set('cache-control', 'no-store');
          return Promise.resolve();
        },
      }),
  };
}
