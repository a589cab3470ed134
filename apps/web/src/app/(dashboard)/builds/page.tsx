import { BuildsList } from "@/components/builds/BuildsList";

export default function Page() {
  return <BuildsList />;
}
