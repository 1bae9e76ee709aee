// Runs in the browser: starts the GraphiQL page that src/graphql/graphiql.ts serves, after the
// React and GraphiQL bundles have set their globals.
/* global GraphiQL, React, ReactDOM */
'use strict';

const FIRST_OPERATIONS = `# GraphiQL, served by this server: no internet needed.
# To run an operation, click inside it and press Ctrl-Enter.
#
# 1. Run SignUp once, then SignIn. Your browser keeps the
#    HttpOnly refresh cookie; RefreshToken and Logout send it.
# 2. Copy data.signIn.accessToken into Headers below:
#    {"Authorization": "Bearer <accessToken>"}
# 3. Run Me.

mutation SignUp {
  signUp(
    input: { username: "ada.lovelace", password: "correct horse battery staple" }
  ) {
    id
    username
  }
}

mutation SignIn {
  signIn(
    input: { username: "ada.lovelace", password: "correct horse battery staple" }
  ) {
    accessToken
    expiresIn
    user {
      id
      username
      role
    }
  }
}

query Me {
  me {
    id
    username
    role
    createdAt
  }
}

mutation RefreshToken {
  refreshToken {
    accessToken
    expiresIn
  }
}

mutation Logout {
  logout
}
`;

const fetcher = GraphiQL.createFetcher({
  url: '/graphql',
  // the simple fetcher: the only one that takes this fetch
  enableIncrementalDelivery: false,
  // the refresh cookie goes with every operation (refreshToken and logout read it)
  fetch: (url, init) => window.fetch(url, { ...init, credentials: 'include' }),
});

ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: FIRST_OPERATIONS,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
  }),
);
