# Build the `aims` binary, then run it on a slim Debian with the templates compiled in and the
# static files beside it.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p aims-web

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app aims
WORKDIR /app
COPY --from=build /src/target/release/aims /usr/local/bin/aims
COPY static ./static
ENV AIMS_BIND=0.0.0.0:8080 AIMS_STATIC_DIR=/app/static AIMS_DATA_DIR=/app/data
RUN mkdir -p /app/data && chown aims /app/data
USER aims
EXPOSE 8080
CMD ["aims", "serve", "--demo"]
