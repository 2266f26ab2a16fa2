#!/usr/bin/env python3
"""Package figures for `make bench`: pack, verify and install time and the
archive size for the hello plugin, and verify's throughput for a 50 MB
library. Runs the release nekoctl on real folders in a temporary directory;
prints medians of ROUNDS runs (NEKO_BENCH_ROUNDS, default 7)."""
import os, shutil, statistics, subprocess, sys, tempfile, time

nekoctl, plugins = sys.argv[1], sys.argv[2]
rounds = int(os.environ.get("NEKO_BENCH_ROUNDS", "7"))

def timed(args, env):
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start

def median_ms(samples):
    return statistics.median(samples) * 1000

with tempfile.TemporaryDirectory() as work:
    env = dict(os.environ, NEKO_HOME=f"{work}/home")
    hello = f"{work}/src/hello"
    shutil.copytree(f"{plugins}/hello", hello, ignore=shutil.ignore_patterns("data", "*.db"))
    subprocess.run([nekoctl, "keygen", "bench"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([nekoctl, "trust", "add", "--name", "bench"], check=True, env=env, stdout=subprocess.DEVNULL)
    package = f"{work}/hello.nekoplugin"
    pack = [timed([nekoctl, "pack", hello, "--sign", "bench", "-o", package], env) for _ in range(rounds)]
    verify = [timed([nekoctl, "verify", package], env) for _ in range(rounds)]
    install = []
    for index in range(rounds):
        root = f"{work}/root{index}"
        os.makedirs(root)
        install.append(timed([nekoctl, "install", package, "--dir", root, "--require-signature"], env))
    library = os.path.getsize(f"{hello}/libhello.so")
    print(f"packages: hello ({library / 1e6:.1f} MB library, release), {rounds} rounds, medians")
    print(f"  pack --sign     {median_ms(pack):7.1f} ms   archive {os.path.getsize(package) / 1e6:.2f} MB")
    print(f"  verify          {median_ms(verify):7.1f} ms")
    print(f"  install         {median_ms(install):7.1f} ms   (verify, extract, fsync, rename)")

    # A 50 MB library: hello's, padded with random bytes (still its ELF header).
    big = f"{work}/src/big/hello"
    shutil.copytree(hello, big)
    with open(f"{big}/libhello.so", "ab") as padded:
        padded.write(os.urandom(50_000_000 - library))
    big_package = f"{work}/big.nekoplugin"
    subprocess.run([nekoctl, "pack", big, "--sign", "bench", "-o", big_package], check=True, env=env, stdout=subprocess.DEVNULL)
    big_verify = [timed([nekoctl, "verify", big_package], env) for _ in range(rounds)]
    size = os.path.getsize(f"{big}/libhello.so") / 1e6
    print(f"  verify, 50 MB   {median_ms(big_verify):7.1f} ms   {size / statistics.median(big_verify):.0f} MB/s of library (decompress + SHA-256)")
