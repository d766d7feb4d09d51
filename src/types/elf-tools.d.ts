// The subset of elf-tools' parse() result that iprobe reads.
declare module 'elf-tools' {
  interface ElfToolsHeader {
    entry: number;
    phoff: number;
    shoff: number;
    phnum: number;
    shnum: number;
    shstrndx: number;
  }
  interface ElfToolsSectionHeader {
    name: string;
    addr: number;
    offset: number;
    size: number;
    link: number;
    info: number;
    addralign: number;
    entsize: number;
  }
  interface ElfToolsProgramHeader {
    offset: number;
    vaddr: number;
    filesz: number;
    memsz: number;
    align: number;
  }
  interface ElfToolsParsed {
    header: ElfToolsHeader;
    programs: { header: ElfToolsProgramHeader; data: Buffer }[];
    sections: { header: ElfToolsSectionHeader; data: Buffer }[];
  }
  const elfTools: { parse(image: Buffer): ElfToolsParsed };
  export default elfTools;
}
