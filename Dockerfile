# One image for the API and the workers; the compose file picks the role by command (node dist/<entry>.js).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Plain JavaScript at run time: no TypeScript transpiler in each process (≈ 37 MB of RSS and the start-up compile).
RUN npm run build
ENV NODE_ENV=production
USER node
CMD ["node", "dist/api/server.js"]
