from qjnet.cli import main

main()
