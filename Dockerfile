# One image for every Ultra service: `ultra serve SERVICE...` picks what a container runs
# (docker-compose.yml, deploy/kubernetes/). Built in three stages so that the image holds
# the compiled JavaScript and the production dependencies only:
#   docker build -t ultra:local .

# 1. Every dependency (dev ones too) and the compiled JavaScript: `npm run build` writes dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY libs ./libs
COPY services ./services
COPY proto ./proto
RUN npm ci --no-audit --no-fund
RUN npm run build

# 2. Production dependencies only: no vitest, typescript, buf or test tools.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. The image: Node, the production dependencies, the workspaces' package.json and
#    sources (the provider simulator runs from them), and dist/ from the build.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps --chown=root:root /app /app
COPY --from=build --chown=root:root /app/dist /app/dist
# The node image's unprivileged user, by number so that Kubernetes' runAsNonRoot can check it.
# Nothing under /app is writable by it: the root filesystem may be mounted read-only.
USER 1000:1000
EXPOSE 8080 50051 50061 50071 50081 9464 9465 9466 9467
ENTRYPOINT ["node", "libs/cli/bin/ultra.js"]
CMD ["serve", "router", "--config", "/etc/ultra/ultra.yaml"]
