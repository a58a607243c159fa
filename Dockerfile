# One image for every domainflow process (api, worker, sim); the command picks the role.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY machines ./machines
COPY workers ./workers
# npm ci builds through `prepare` (scripts/build.mjs)
COPY scripts/build.mjs ./scripts/build.mjs
RUN npm ci --no-audit --no-fund && npm prune --omit=dev
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/domainflow.js"]
