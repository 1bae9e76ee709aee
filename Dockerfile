# The service's image. Its commands are the ones CI runs on every change (.ci/run and the tracing
# test): `npm ci`, `npm run build`, then `node dist/main.js`; so the image cannot drift from what
# is tested. See deploy/README.md.
#
# No Go toolchain here, so no embedded FerretDB: the image needs MONGODB_URI (a MongoDB 7+ replica
# set) and refuses to start without it.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# bcrypt compiles its binding when no prebuilt one fits the platform
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY tools/ferretdb ./tools/ferretdb
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# read (never built) at start-up by the embedded-database launcher, which this image does not use
COPY --from=build /app/tools/ferretdb ./tools/ferretdb
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/bin/sh", "-c", "[ -n \"$MONGODB_URI\" ] || { echo 'Cannot start: this image has no embedded database; set MONGODB_URI to a MongoDB replica set' >&2; exit 64; }; exec \"$@\"", "entrypoint"]
CMD ["node", "dist/main.js"]
