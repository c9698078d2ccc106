# One image for every Ultra service; the compose file picks the entry point per service.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY proto ./proto
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
USER node
# Loaded first: tsx (TypeScript, no build step), then OpenTelemetry (on only when OTEL_* is set).
ENTRYPOINT ["node", "--import", "tsx", "--import", "@ultra/telemetry/instrumentation"]
CMD ["services/router/src/main.ts", "--config", "/etc/ultra/ultra.yaml"]
