#include <iostream>

#include "app/cli/cli.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return ilab::cli::run(args, {std::cin, std::cout, std::cerr});
}
