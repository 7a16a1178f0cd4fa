# clustersim in a container: Debian-based Node 20, runtime dependencies only,
# `clustersim` as the entry point. Build and run (see README, "Install in
# another repository"):
#   docker build -t clustersim:0.1.0 .
#   docker run --rm -v "$PWD:/work" clustersim:0.1.0 check claims/
# Files are read and written relative to /work (mount your repository there).
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /opt/clustersim

# Dependencies first (a layer that changes only with the lock file). tsx is a
# runtime dependency: it runs the TypeScript sources, so there is no build step.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# The files the npm package ships ("files" in package.json).
COPY bin ./bin
COPY src ./src
COPY bench ./bench
COPY topologies ./topologies
COPY docs ./docs
RUN ln -s /opt/clustersim/bin/clustersim.mjs /usr/local/bin/clustersim \
    && mkdir -p /work && chown node:node /work

USER node
WORKDIR /work
ENTRYPOINT ["clustersim"]
CMD ["--help"]
