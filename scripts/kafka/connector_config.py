#!/usr/bin/env python3
"""Reads a Kafka Connect connector config file, .properties or .json.

usage: connector_config.py name FILE       prints the connector's name
       connector_config.py put URL FILE    PUT URL/connectors/NAME/config (create or update)

A .json file is either {"name": ..., "config": {...}} (the REST create body)
or a flat object of settings with a "name" key.
"""
import json
import sys
import urllib.error
import urllib.request


def read_properties(text):
    out = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        for i, ch in enumerate(line):
            if ch in "=:":
                out[line[:i].strip()] = line[i + 1:].strip()
                break
        else:
            out[line] = ""
    return out


def read(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".json"):
        try:
            obj = json.loads(text)
        except ValueError as e:
            sys.exit(f"{path}: {e}")
        if not isinstance(obj, dict):
            sys.exit(f"{path}: not a JSON object")
        if isinstance(obj.get("config"), dict):
            config = {k: str(v) for k, v in obj["config"].items()}
            name = obj.get("name") or config.get("name")
        else:
            config = {k: str(v) for k, v in obj.items()}
            name = config.get("name")
    else:
        config = read_properties(text)
        name = config.get("name")
    if not name:
        sys.exit(f"{path}: no connector name")
    config["name"] = name
    return name, config


def main(argv):
    if len(argv) == 2 and argv[0] == "name":
        print(read(argv[1])[0])
        return 0
    if len(argv) == 3 and argv[0] == "put":
        name, config = read(argv[2])
        req = urllib.request.Request(
            f"{argv[1].rstrip('/')}/connectors/{name}/config",
            data=json.dumps(config).encode(), method="PUT",
            headers={"Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                print(f"{name}: HTTP {resp.status}")
        except urllib.error.HTTPError as e:
            sys.exit(f"{name}: HTTP {e.code}: {e.read().decode(errors='replace')}")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
