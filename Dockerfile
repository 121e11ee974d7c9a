# The kcanary operator image: `kcanary operator --in-cluster` (kcanary install deploys it).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
RUN npm run build && npm prune --omit=dev && find dist -name '*.test.*' -delete

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# Numeric, so the pod's runAsNonRoot can be checked; the root filesystem is read-only at run time.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/kcanary.js"]
CMD ["operator", "--in-cluster"]
