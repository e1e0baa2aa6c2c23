"""An OpenAI-compatible /v1/embeddings server for routelab's encoder (the one `router.json`
beside this file names), so vLLM Semantic Router embeds queries as routelab embedded the log.
Needs numpy and the encoder's library; routelab_router.py (beside this file) holds the encoder.

    python embed_server.py [--port 8090]
"""

import argparse
import json
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from routelab_router import load_encoder

HERE = Path(__file__).resolve().parent
ENCODER = json.loads((HERE / "router.json").read_text(encoding="utf-8"))["encoder"]
PORT = 8090  # where config.yaml's embedding endpoint looks


class Embeddings(BaseHTTPRequestHandler):
    def do_POST(self):
        if not self.path.rstrip("/").endswith("/embeddings"):
            return self.send_error(404, "only POST /v1/embeddings")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
        data = [{"object": "embedding", "index": i, "embedding": v.tolist()}
                for i, v in enumerate(self.server.encode(texts))]
        reply = json.dumps({"object": "list", "model": ENCODER, "data": data,
                            "usage": {"prompt_tokens": 0, "total_tokens": 0}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def serve(host="0.0.0.0", port=PORT):
    server = HTTPServer((host, port), Embeddings)  # one request at a time: one encoder
    server.encode = load_encoder(ENCODER, HERE)
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args()
    serve(args.host, args.port).serve_forever()
