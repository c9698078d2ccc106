# One image for every Ultra service: `ultra serve SERVICE...` picks what a container runs
# (docker-compose.yml, deploy/kubernetes/). Built in stages so that the image holds the
# compiled JavaScript and the production dependencies only:
#   docker build -t ultra:local .

# 1. Every dependency (dev ones too) and the compiled JavaScript: `npm run build` writes
#    each workspace's dist/ (libs/*/dist, services/*/dist), which the `ultra` bin runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig*.json ./
COPY libs ./libs
COPY services ./services
COPY proto ./proto
RUN npm ci --no-audit --no-fund
RUN npm run build

# 2. Production dependencies only: no TypeScript, vitest, buf or test tools. No scripts:
#    the build is stage 1's.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. The image: Node, the production dependencies, and the workspaces with their dist/
#    (their sources too: the provider simulator runs from them through tsx).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app /app
COPY --from=build /app/libs /app/libs
COPY --from=build /app/services /app/services
# The node image's unprivileged user, by number so that Kubernetes' runAsNonRoot can check
# it. Nothing under /app is writable by it: the root filesystem may be mounted read-only.
USER 1000:1000
EXPOSE 8080 50051 50061 50071 50081 9464 9465 9466 9467
ENTRYPOINT ["node", "libs/cli/bin/ultra.js"]
CMD ["serve", "router", "--config", "/etc/ultra/ultra.yaml"]
